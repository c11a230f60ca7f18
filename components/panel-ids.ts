export const PANEL_IDS = ['equity', 'regime', 'downloads', 'positions', 'events'] as const;
export type PanelId = (typeof PANEL_IDS)[number];
