/* parent-first: the parent writes 64 pages and forks; the parent writes them first (COW copies,
 * the child still shares them), then lets the child write them (now its own: reuses). */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  int go[2];
  char *p = region(PAGES);
  if (pipe(go) != 0) {
    return 90;
  }
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    await(go[0]);
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit(0);
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  signal_fd(go[1]);
  waitpid(c, NULL, 0);
  return 0;
}
