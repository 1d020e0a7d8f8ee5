/* fork-reads: the parent writes 64 pages and forks; the child reads them, then the parent reads
 * them: fork copied the PTEs (read-only), so no read faults. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0, sum = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    i = 0;
    sum = 0;
    BEGIN(t0, RUSAGE_SELF);
    READ_PAGES(p, i, sum, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-read");
    _exit((int) sum & 1);
  }
  waitpid(c, NULL, 0);
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  READ_PAGES(p, i, sum, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-read");
  return (int) sum & 1;
}
