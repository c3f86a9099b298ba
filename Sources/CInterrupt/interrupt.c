#include "CInterrupt.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t requested = 0;
static struct sigaction previous;
static int installed = 0;
static int was_blocked = 0;

static const char first_message[] =
    "\nlesson: interrupt: stopping at the end of the current epoch or seed, keeping its checkpoint "
    "(Ctrl-C again to stop at once)\n";
static const char second_message[] =
    "\nlesson: interrupted again: stopping now; this run's outputs are incomplete "
    "(the last complete checkpoint is kept)\n";

static void on_sigint(int sig) {
    (void)sig;
    if (requested) {
        ssize_t ignored = write(2, second_message, sizeof second_message - 1);
        (void)ignored;
        _exit(130);
    }
    requested = 1;
    ssize_t ignored = write(2, first_message, sizeof first_message - 1);
    (void)ignored;
}

void lesson_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    requested = 0;
    if (sigaction(SIGINT, &action, &previous) == 0) installed = 1;
    // A process started from a thread that blocks SIGINT (e.g. by Foundation's Process on a Swift concurrency
    // or Dispatch thread) inherits the mask: unblock it on this thread while the run lasts.
    sigset_t sigint, old;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    was_blocked = pthread_sigmask(SIG_UNBLOCK, &sigint, &old) == 0 && sigismember(&old, SIGINT) == 1;
}

void lesson_interrupt_restore(void) {
    if (was_blocked) {
        sigset_t sigint;
        sigemptyset(&sigint);
        sigaddset(&sigint, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigint, NULL);
    }
    if (installed) sigaction(SIGINT, &previous, NULL);
    installed = 0;
    was_blocked = 0;
}

int lesson_interrupt_requested(void) { return requested != 0; }

void lesson_interrupt_request(void) { requested = 1; }
