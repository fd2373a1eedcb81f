// Notifications (failed licence mails, OWNER/ADMIN): a placeholder for the route and the nav; rest-ui replaces this
// file with the page.
export function NotificationsPage() {
  return (
    <>
      <h1>Notifications</h1>
      <p>Failed licence mails are coming here.</p>
    </>
  );
}
