// The console's window is named, so that the live board's links (a call, Take a call,
// Console: target="kuzet-console") come back to it instead of opening one window more;
// the board, opened from here, lives in its own (target="kuzet-board").
window.name = "kuzet-console";
