/** The default symbols: 60 liquid US stocks and ETFs. */
export const DEFAULT_UNIVERSE: readonly string[] = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'JPM', 'V',
  'UNH', 'XOM', 'MA', 'JNJ', 'PG', 'HD', 'COST', 'ABBV', 'MRK', 'CVX',
  'LLY', 'PEP', 'KO', 'ADBE', 'CRM', 'WMT', 'BAC', 'NFLX', 'AMD', 'TMO',
  'ORCL', 'CSCO', 'ACN', 'MCD', 'ABT', 'INTC', 'DIS', 'WFC', 'QCOM', 'TXN',
  'VZ', 'CMCSA', 'PFE', 'NKE', 'IBM', 'AMGN', 'HON', 'CAT', 'GS', 'UNP',
  'BA', 'SBUX', 'LOW', 'INTU', 'SPY', 'QQQ', 'IWM', 'DIA', 'GE', 'T',
];
