"""HTTP routers: one per concern; handlers parse, call one service function, render."""
