export const PANEL_IDS = ['equity', 'regime', 'downloads', 'positions', 'events'] as const;
export type PanelId = (typeof PANEL_IDS)[number];

export const PANEL_TITLES: Readonly<Record<PanelId, string>> = {
  equity: 'Equity',
  regime: 'Regime',
  downloads: 'Downloads',
  positions: 'Positions',
  events: 'Events',
};
