/* read-write: read 64 untouched pages, then write them. Linux maps the shared zero page on the
 * read fault and faults again on the write (do_wp_page copies from the zero page). */
#include "fidelity.h"

int main(void) {
  long t0, i = 0, sum = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  READ_PAGES(p, i, sum, 0, PAGES);
  END(t0, RUSAGE_SELF, "read");
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "write");
  return (int) sum;
}
