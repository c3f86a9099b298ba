#include "CInterrupt.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t requested = 0;
static volatile sig_atomic_t child = 0;
static struct sigaction previous_int, previous_term;
static int installed_int = 0, installed_term = 0;
static sigset_t was_blocked;

static const char first_interrupt[] =
    "\nlesson: interrupt: stopping at the end of the current epoch or seed, keeping its checkpoint "
    "(Ctrl-C again to stop at once)\n";
static const char first_termination[] =
    "\nlesson: terminated (SIGTERM): stopping at the end of the current epoch or seed, keeping its checkpoint "
    "(a second signal stops at once)\n";
static const char second_message[] =
    "\nlesson: interrupted again: stopping now; this run's outputs are incomplete "
    "(the last complete checkpoint is kept)\n";

static void on_signal(int sig) {
    if (requested) {
        ssize_t ignored = write(2, second_message, sizeof second_message - 1);
        (void)ignored;
        if (child > 0) kill((pid_t)child, SIGKILL);
        _exit(128 + sig);
    }
    requested = 1;
    const char *message = sig == SIGTERM ? first_termination : first_interrupt;
    size_t length = sig == SIGTERM ? sizeof first_termination - 1 : sizeof first_interrupt - 1;
    ssize_t ignored = write(2, message, length);
    (void)ignored;
}

void lesson_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    action.sa_flags = SA_RESTART;
    requested = 0;
    if (sigaction(SIGINT, &action, &previous_int) == 0) installed_int = 1;
    if (sigaction(SIGTERM, &action, &previous_term) == 0) installed_term = 1;
    // A process started from a thread that blocks these signals (e.g. by Foundation's Process on a Swift
    // concurrency or Dispatch thread) inherits the mask: unblock them on this thread while the run lasts.
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    sigemptyset(&was_blocked);
    if (pthread_sigmask(SIG_UNBLOCK, &both, &old) == 0) {
        if (sigismember(&old, SIGINT) == 1) sigaddset(&was_blocked, SIGINT);
        if (sigismember(&old, SIGTERM) == 1) sigaddset(&was_blocked, SIGTERM);
    }
}

void lesson_interrupt_restore(void) {
    pthread_sigmask(SIG_BLOCK, &was_blocked, NULL);
    if (installed_int) sigaction(SIGINT, &previous_int, NULL);
    if (installed_term) sigaction(SIGTERM, &previous_term, NULL);
    installed_int = 0;
    installed_term = 0;
    sigemptyset(&was_blocked);
}

int lesson_interrupt_requested(void) { return requested != 0; }

void lesson_interrupt_request(void) { requested = 1; }

void lesson_interrupt_set_child(pid_t pid) { child = (sig_atomic_t)pid; }
