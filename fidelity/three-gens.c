/* three-gens: parent P writes 64 pages, forks C, C forks G; nobody exits before writing: P
 * writes first, then C, then G (each lets the next go through a pipe), so the pages are shared
 * three ways, then two, then G owns its last copies alone. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  int pc[2], cg[2];
  char *p = region(PAGES);
  if (pipe(pc) != 0 || pipe(cg) != 0) {
    return 90;
  }
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    pid_t g = fork();
    if (g == 0) {
      await(cg[0]);
      i = 0;
      BEGIN(t0, RUSAGE_SELF);
      WRITE_PAGES(p, i, 0, PAGES);
      END(t0, RUSAGE_SELF, "g-write");
      _exit(0);
    }
    await(pc[0]);
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    signal_fd(cg[1]);
    waitpid(g, NULL, 0);
    _exit(0);
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  signal_fd(pc[1]);
  waitpid(c, NULL, 0);
  return 0;
}
