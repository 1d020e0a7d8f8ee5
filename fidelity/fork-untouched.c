/* fork-untouched: fork with the 64-page region untouched; the child writes it, exits; then the
 * parent writes it: demand-zero faults on both sides, nothing shared. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  pid_t c = fork();
  if (c == 0) {
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  return 0;
}
