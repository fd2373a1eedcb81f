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
    "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": typeof types.PurchaseLicensesDocument,
    "\n  query HistoryUsers {\n    users(first: 200) {\n      edges {\n        node {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n": typeof types.HistoryUsersDocument,
    "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": typeof types.SeatsAsOfDocument,
    "\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n": typeof types.FailedNotificationsDocument,
    "\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.ActivateAccountDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": typeof types.ReleaseLicensesDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": typeof types.SeatAvailabilityChangedDocument,
    "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": typeof types.UpgradePlanDocument,
    "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.HistoryDocument,
    "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n": typeof types.SubscriptionsDocument,
};
const documents: Documents = {
    "\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n": types.LogoutDocument,
    "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": types.PurchaseLicensesDocument,
    "\n  query HistoryUsers {\n    users(first: 200) {\n      edges {\n        node {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n": types.HistoryUsersDocument,
    "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": types.SeatsAsOfDocument,
    "\n  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {\n    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          kind\n          status\n          attempts\n          lastError\n          recipientEmail\n          recipient {\n            id\n            name\n          }\n          createdAt\n          updatedAt\n        }\n      }\n    }\n  }\n": types.FailedNotificationsDocument,
    "\n  mutation ActivateAccount($input: ActivateAccountInput!) {\n    activateAccount(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.ActivateAccountDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": types.ReleaseLicensesDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": types.SeatAvailabilityChangedDocument,
    "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": types.UpgradePlanDocument,
    "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.HistoryDocument,
    "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n": types.SubscriptionsDocument,
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
export function graphql(source: "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HistoryUsers {\n    users(first: 200) {\n      edges {\n        node {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query HistoryUsers {\n    users(first: 200) {\n      edges {\n        node {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n"): (typeof documents)["\n  query SeatsAsOf($asOf: DateTime!) {\n    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n"];
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
export function graphql(source: "\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {\n    releaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n"): (typeof documents)["\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpgradePlan($input: UpgradePlanInput!) {\n    upgradePlan(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {\n    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          type\n          occurredAt\n          product\n          user {\n            id\n            name\n            email\n          }\n          actor {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"): (typeof documents)["\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;