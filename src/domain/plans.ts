// The plan catalog: what each product's plans are called, how they rank and what a licence on them grants.

export const PRODUCTS = ['VIDEO_MEETING', 'WEBINAR'] as const;
export type Product = (typeof PRODUCTS)[number];

export type Feature =
  | 'SCHEDULE_MEETINGS'
  | 'DOWNLOAD_REPORTS'
  | 'DOWNLOAD_RECORDINGS'
  | 'LARGE_MEETINGS'
  | 'MEETING_TRANSCRIPTS'
  | 'HOST_WEBINARS'
  | 'LIVE_STREAMING';

export interface Plan {
  readonly id: string;
  readonly product: Product;
  readonly name: string;
  /** Higher is better; an upgrade goes to a higher rank. */
  readonly rank: number;
  readonly features: readonly Feature[];
}

const PLANS: readonly Plan[] = [
  {
    id: 'video-standard',
    product: 'VIDEO_MEETING',
    name: 'Video Meeting Standard',
    rank: 1,
    features: ['SCHEDULE_MEETINGS', 'DOWNLOAD_REPORTS'],
  },
  {
    id: 'video-pro',
    product: 'VIDEO_MEETING',
    name: 'Video Meeting Pro',
    rank: 2,
    features: ['SCHEDULE_MEETINGS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS'],
  },
  {
    id: 'video-business',
    product: 'VIDEO_MEETING',
    name: 'Video Meeting Business',
    rank: 3,
    features: ['SCHEDULE_MEETINGS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS', 'LARGE_MEETINGS', 'MEETING_TRANSCRIPTS'],
  },
  {
    id: 'webinar-100',
    product: 'WEBINAR',
    name: 'Webinar 100',
    rank: 1,
    features: ['HOST_WEBINARS', 'DOWNLOAD_REPORTS'],
  },
  {
    id: 'webinar-500',
    product: 'WEBINAR',
    name: 'Webinar 500',
    rank: 2,
    features: ['HOST_WEBINARS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS'],
  },
  {
    id: 'webinar-1000',
    product: 'WEBINAR',
    name: 'Webinar 1000',
    rank: 3,
    features: ['HOST_WEBINARS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS', 'LIVE_STREAMING'],
  },
];

const plansById = new Map(PLANS.map((plan) => [plan.id, plan]));

export const findPlan = (planId: string): Plan | undefined => plansById.get(planId);

export const plansOf = (product?: Product): readonly Plan[] =>
  product ? PLANS.filter((plan) => plan.product === product) : PLANS;

export const isProduct = (value: string): value is Product => (PRODUCTS as readonly string[]).includes(value);

/** Union of the features of the given plans, in catalog order. */
export const entitlementsOf = (planIds: readonly string[]): Feature[] => {
  const granted = new Set(planIds.flatMap((id) => findPlan(id)?.features ?? []));
  const order: Feature[] = [];
  for (const plan of PLANS) for (const f of plan.features) if (granted.has(f) && !order.includes(f)) order.push(f);
  return order;
};
