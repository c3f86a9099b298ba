// A C interface to one running gnuplot, streamed through gnuplot-iostream (Debian's libgnuplot-iostream-dev),
// so that Swift can send commands and data without C++ interop. Used for live training curves (`--live`).
#ifndef GNUPLOT_PIPE_H
#define GNUPLOT_PIPE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An open gnuplot session; NULL when it could not be started.
typedef struct GnuplotPipe GnuplotPipe;

/// Starts `command` (a shell command line, e.g. "'/usr/bin/gnuplot' 1>&2") with its standard input on a pipe.
/// SIGPIPE is ignored from then on, so a gnuplot that exits makes later calls fail instead of killing the caller.
GnuplotPipe *gp_open(const char *command);

/// Sends one line of gnuplot commands (a newline is added). Returns 0, or -1 when the pipe is broken.
int gp_command(GnuplotPipe *gp, const char *line);

/// Sends `n` points (x[i], y[i]) as inline data for a `'-'` plot source, ended by `e`. Returns 0 or -1.
int gp_send_xy(GnuplotPipe *gp, const double *x, const double *y, size_t n);

/// Flushes what was sent so far. Returns 0 or -1.
int gp_flush(GnuplotPipe *gp);

/// Asks gnuplot to exit, waits for it and frees the session. Returns gnuplot's exit status, or -1.
int gp_close(GnuplotPipe *gp);

#ifdef __cplusplus
}
#endif

#endif
