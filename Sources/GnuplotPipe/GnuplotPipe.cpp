// The C interface of GnuplotPipe.h over gnuplot-iostream's Gnuplot stream.
#include "GnuplotPipe.h"

#include <csignal>
#include <exception>
#include <utility>
#include <vector>

#include <gnuplot-iostream.h>

struct GnuplotPipe {
    explicit GnuplotPipe(const char *command) : stream(command) {}
    Gnuplot stream;
};

extern "C" GnuplotPipe *gp_open(const char *command) {
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return new GnuplotPipe(command);
    } catch (const std::exception &) {
        return nullptr;
    }
}

static int gp_status(GnuplotPipe *gp) { return gp->stream.good() ? 0 : -1; }

extern "C" int gp_command(GnuplotPipe *gp, const char *line) {
    if (gp == nullptr) return -1;
    try {
        gp->stream << line << '\n';
    } catch (const std::exception &) {
        return -1;
    }
    return gp_status(gp);
}

extern "C" int gp_send_xy(GnuplotPipe *gp, const double *x, const double *y, size_t n) {
    if (gp == nullptr) return -1;
    std::vector<std::pair<double, double>> points;
    points.reserve(n);
    for (size_t i = 0; i < n; ++i) points.emplace_back(x[i], y[i]);
    try {
        gp->stream.send1d(points);
    } catch (const std::exception &) {
        return -1;
    }
    return gp_status(gp);
}

extern "C" int gp_flush(GnuplotPipe *gp) {
    if (gp == nullptr) return -1;
    try {
        gp->stream.flush();
    } catch (const std::exception &) {
        return -1;
    }
    return gp_status(gp);
}

extern "C" int gp_close(GnuplotPipe *gp) {
    if (gp == nullptr) return -1;
    int status = gp_command(gp, "exit");
    delete gp;  // flushes and waits for gnuplot (pclose)
    return status;
}
