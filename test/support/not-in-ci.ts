// Ink renders only its last frame when it believes it runs in CI (it reads CI once, on load). The UI
// tests drive a terminal as a user has one, so this module must be imported before Ink.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
