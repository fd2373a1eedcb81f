// History (auditors): a placeholder for the route and the nav; rest-ui replaces this file with the page.
export function HistoryPage() {
  return (
    <>
      <h1>History</h1>
      <p>The licence history is coming here.</p>
    </>
  );
}
