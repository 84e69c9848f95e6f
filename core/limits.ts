// Limits both sides know: the server refuses what is over them (its settings
// may lower or raise them; README "Limits"), and the agent keeps what it sends
// within the defaults, so an ordinary run is never refused.

/** Log lines in one run report (the server's max_report_log_lines default). */
export const DEFAULT_MAX_REPORT_LOG_LINES = 2_000;
