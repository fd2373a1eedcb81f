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
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": typeof types.SeatAvailabilityChangedDocument,
    "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n": typeof types.SubscriptionsDocument,
};
const documents: Documents = {
    "\n  mutation RefreshSession($input: RefreshSessionInput!) {\n    refreshSession(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation Logout {\n    logout {\n      sessionsEnded\n    }\n  }\n": types.LogoutDocument,
    "\n  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {\n    purchaseLicenses(input: $input) {\n      subscription {\n        id\n        product\n        plan {\n          id\n          name\n          rank\n          features\n        }\n        seats {\n          id\n          product\n          purchased\n          assigned\n          reserved\n          available\n        }\n      }\n    }\n  }\n": types.PurchaseLicensesDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      token\n      refreshToken\n      expiresAt\n      user {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      owner {\n        id\n        name\n        email\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  subscription SeatAvailabilityChanged {\n    seatAvailabilityChanged {\n      id\n      product\n      purchased\n      assigned\n      reserved\n      available\n    }\n  }\n": types.SeatAvailabilityChangedDocument,
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
export function graphql(source: "\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"): (typeof documents)["\n  query Subscriptions {\n    subscriptions {\n      id\n      product\n      plan {\n        id\n        name\n        rank\n        features\n      }\n      seats {\n        id\n        product\n        purchased\n        assigned\n        reserved\n        available\n      }\n    }\n    plans {\n      id\n      name\n      product\n      rank\n      features\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;