// The products' names as people read them (the API's enum values are for machines).
import type { Product } from './gql/graphql';

export const PRODUCTS: readonly Product[] = ['VIDEO_MEETING', 'WEBINAR'];

export function productName(product: Product): string {
  switch (product) {
    case 'VIDEO_MEETING':
      return 'Video Meeting';
    case 'WEBINAR':
      return 'Webinar';
    default: {
      const unknown: never = product;
      return String(unknown);
    }
  }
}
