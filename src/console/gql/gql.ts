/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n": typeof types.LogoutDocument,
    "\n  subscription LiveSeatCounts {\n    seatAvailabilityChanged {\n      ...SeatCounts\n    }\n  }\n": typeof types.LiveSeatCountsDocument,
    "\n  query Me {\n    me {\n      id\n      role\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        id\n        name\n        email\n        role\n        status\n        active\n        licenses {\n          id\n          product\n        }\n      }\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation AssignLicenses($input: BulkLicenseInput!) {\n    assignLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.AssignLicensesDocument,
    "\n  mutation RevokeLicenses($input: BulkLicenseInput!) {\n    revokeLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.RevokeLicensesDocument,
    "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": typeof types.PurchaseLicensesDocument,
    "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user {\n        id\n        active\n        status\n        licenses {\n          id\n          product\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.DeactivateUserDocument,
    "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      ...SeatCounts\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      ...SeatCounts\n    }\n  }\n": typeof types.SeatsAsOfDocument,
    "\n  query PendingInvitations($first: Int) {\n    invitations(status: PENDING, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          products\n          expiresAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.PendingInvitationsDocument,
    "\n  mutation ResendInvitation($input: ResendInvitationInput!) {\n    resendInvitation(input: $input) {\n      invitation {\n        id\n        status\n        expiresAt\n      }\n    }\n  }\n": typeof types.ResendInvitationDocument,
    "\n  mutation CancelInvitation($input: CancelInvitationInput!) {\n    cancelInvitation(input: $input) {\n      invitation {\n        id\n        status\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.CancelInvitationDocument,
    "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      invitation {\n        id\n        status\n        products\n        user {\n          id\n          name\n          email\n          status\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.InviteUserDocument,
    "\n  mutation AssignLicense($input: AssignLicenseInput!) {\n    assignLicense(input: $input) {\n      license {\n        id\n        product\n      }\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.AssignLicenseDocument,
    "\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n": typeof types.FailedNotificationsDocument,
    "\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.ActivateAccountDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": typeof types.ReleaseLicensesDocument,
    "\n  mutation RevokeLicense($input: RevokeLicenseInput!) {\n    revokeLicense(input: $input) {\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": typeof types.RevokeLicenseDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": typeof types.UpgradePlanDocument,
    "\n  mutation ChangeUserRole($input: ChangeUserRoleInput!) {\n    changeUserRole(input: $input) {\n      user {\n        id\n        role\n      }\n    }\n  }\n": typeof types.ChangeUserRoleDocument,
    "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          data\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.HistoryDocument,
    "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n": typeof types.SubscriptionsDocument,
    "\n  query UserSearch($search: String, $first: Int, $after: String, $last: Int, $before: String) {\n    users(search: $search, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          email\n          role\n          status\n          active\n          licenses {\n            id\n            product\n            plan {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.UserSearchDocument,
    "\n  fragment SeatCounts on SeatAvailability {\n    id\n    product\n    purchased\n    assigned\n    reserved\n    available\n  }\n": typeof types.SeatCountsFragmentDoc,
};
const documents: Documents = {
    "\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n": types.LogoutDocument,
    "\n  subscription LiveSeatCounts {\n    seatAvailabilityChanged {\n      ...SeatCounts\n    }\n  }\n": types.LiveSeatCountsDocument,
    "\n  query Me {\n    me {\n      id\n      role\n    }\n  }\n": types.MeDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        id\n        name\n        email\n        role\n        status\n        active\n        licenses {\n          id\n          product\n        }\n      }\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation AssignLicenses($input: BulkLicenseInput!) {\n    assignLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n": types.AssignLicensesDocument,
    "\n  mutation RevokeLicenses($input: BulkLicenseInput!) {\n    revokeLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n": types.RevokeLicensesDocument,
    "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": types.PurchaseLicensesDocument,
    "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user {\n        id\n        active\n        status\n        licenses {\n          id\n          product\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": types.DeactivateUserDocument,
    "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      ...SeatCounts\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      ...SeatCounts\n    }\n  }\n": types.SeatsAsOfDocument,
    "\n  query PendingInvitations($first: Int) {\n    invitations(status: PENDING, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          products\n          expiresAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.PendingInvitationsDocument,
    "\n  mutation ResendInvitation($input: ResendInvitationInput!) {\n    resendInvitation(input: $input) {\n      invitation {\n        id\n        status\n        expiresAt\n      }\n    }\n  }\n": types.ResendInvitationDocument,
    "\n  mutation CancelInvitation($input: CancelInvitationInput!) {\n    cancelInvitation(input: $input) {\n      invitation {\n        id\n        status\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": types.CancelInvitationDocument,
    "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      invitation {\n        id\n        status\n        products\n        user {\n          id\n          name\n          email\n          status\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": types.InviteUserDocument,
    "\n  mutation AssignLicense($input: AssignLicenseInput!) {\n    assignLicense(input: $input) {\n      license {\n        id\n        product\n      }\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": types.AssignLicenseDocument,
    "\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n": types.FailedNotificationsDocument,
    "\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.ActivateAccountDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": types.ReleaseLicensesDocument,
    "\n  mutation RevokeLicense($input: RevokeLicenseInput!) {\n    revokeLicense(input: $input) {\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n": types.RevokeLicenseDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n": types.UpgradePlanDocument,
    "\n  mutation ChangeUserRole($input: ChangeUserRoleInput!) {\n    changeUserRole(input: $input) {\n      user {\n        id\n        role\n      }\n    }\n  }\n": types.ChangeUserRoleDocument,
    "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          data\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.HistoryDocument,
    "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n": types.SubscriptionsDocument,
    "\n  query UserSearch($search: String, $first: Int, $after: String, $last: Int, $before: String) {\n    users(search: $search, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          email\n          role\n          status\n          active\n          licenses {\n            id\n            product\n            plan {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": types.UserSearchDocument,
    "\n  fragment SeatCounts on SeatAvailability {\n    id\n    product\n    purchased\n    assigned\n    reserved\n    available\n  }\n": types.SeatCountsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSeatCounts {\n    seatAvailabilityChanged {\n      ...SeatCounts\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSeatCounts {\n    seatAvailabilityChanged {\n      ...SeatCounts\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      role\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        id\n        name\n        email\n        role\n        status\n        active\n        licenses {\n          id\n          product\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        id\n        name\n        email\n        role\n        status\n        active\n        licenses {\n          id\n          product\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AssignLicenses($input: BulkLicenseInput!) {\n    assignLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AssignLicenses($input: BulkLicenseInput!) {\n    assignLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeLicenses($input: BulkLicenseInput!) {\n    revokeLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeLicenses($input: BulkLicenseInput!) {\n    revokeLicenses(input: $input) {\n      dryRun\n      applied {\n        id\n        name\n        email\n      }\n      refused {\n        index\n        userId\n        code\n        message\n      }\n      seatsBefore {\n        ...SeatCounts\n      }\n      seatsAfter {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user {\n        id\n        active\n        status\n        licenses {\n          id\n          product\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user {\n        id\n        active\n        status\n        licenses {\n          id\n          product\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      ...SeatCounts\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      ...SeatCounts\n    }\n  }\n"): (typeof documents)["\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      ...SeatCounts\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      ...SeatCounts\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PendingInvitations($first: Int) {\n    invitations(status: PENDING, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          products\n          expiresAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PendingInvitations($first: Int) {\n    invitations(status: PENDING, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          products\n          expiresAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResendInvitation($input: ResendInvitationInput!) {\n    resendInvitation(input: $input) {\n      invitation {\n        id\n        status\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ResendInvitation($input: ResendInvitationInput!) {\n    resendInvitation(input: $input) {\n      invitation {\n        id\n        status\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelInvitation($input: CancelInvitationInput!) {\n    cancelInvitation(input: $input) {\n      invitation {\n        id\n        status\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelInvitation($input: CancelInvitationInput!) {\n    cancelInvitation(input: $input) {\n      invitation {\n        id\n        status\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      invitation {\n        id\n        status\n        products\n        user {\n          id\n          name\n          email\n          status\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      invitation {\n        id\n        status\n        products\n        user {\n          id\n          name\n          email\n          status\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AssignLicense($input: AssignLicenseInput!) {\n    assignLicense(input: $input) {\n      license {\n        id\n        product\n      }\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AssignLicense($input: AssignLicenseInput!) {\n    assignLicense(input: $input) {\n      license {\n        id\n        product\n      }\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeLicense($input: RevokeLicenseInput!) {\n    revokeLicense(input: $input) {\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeLicense($input: RevokeLicenseInput!) {\n    revokeLicense(input: $input) {\n      user {\n        id\n        licenses {\n          id\n          product\n          plan {\n            id\n            name\n          }\n        }\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          ...SeatCounts\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeUserRole($input: ChangeUserRoleInput!) {\n    changeUserRole(input: $input) {\n      user {\n        id\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeUserRole($input: ChangeUserRoleInput!) {\n    changeUserRole(input: $input) {\n      user {\n        id\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          data\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          data\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"): (typeof documents)["\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        ...SeatCounts\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserSearch($search: String, $first: Int, $after: String, $last: Int, $before: String) {\n    users(search: $search, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          email\n          role\n          status\n          active\n          licenses {\n            id\n            product\n            plan {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserSearch($search: String, $first: Int, $after: String, $last: Int, $before: String) {\n    users(search: $search, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          email\n          role\n          status\n          active\n          licenses {\n            id\n            product\n            plan {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SeatCounts on SeatAvailability {\n    id\n    product\n    purchased\n    assigned\n    reserved\n    available\n  }\n"): (typeof documents)["\n  fragment SeatCounts on SeatAvailability {\n    id\n    product\n    purchased\n    assigned\n    reserved\n    available\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;