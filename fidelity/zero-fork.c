/* zero-fork: fork with the 64-page region untouched; the child reads it (Linux: the shared
 * zero page), then writes it (a fault each again). */
#include "fidelity.h"

int main(void) {
  long t0, i = 0, sum = 0;
  char *p = region(PAGES);
  pid_t c = fork();
  if (c == 0) {
    i = 0;
    sum = 0;
    BEGIN(t0, RUSAGE_SELF);
    READ_PAGES(p, i, sum, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-read");
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit((int) sum & 1);
  }
  waitpid(c, NULL, 0);
  return 0;
}
