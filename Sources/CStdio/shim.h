#include <stdio.h>
#include <sys/types.h>

/* The functions of a stream made by fopencookie(3). glibc declares its table
   (cookie_io_functions_t) only under _GNU_SOURCE, which Swift's Glibc module does not set;
   this one has the same layout. atk looks fopencookie up with dlsym and gives the C library's
   stdout and stderr streams to it, so that what libsndfile and libmpg123 print reaches atk
   (LibraryOutput.swift). Declarations only: this module links no library. */
typedef ssize_t atk_cookie_read(void *cookie, char *buffer, size_t size);
typedef ssize_t atk_cookie_write(void *cookie, const char *buffer, size_t size);
typedef int atk_cookie_seek(void *cookie, long long *position, int whence);
typedef int atk_cookie_close(void *cookie);

typedef struct {
  atk_cookie_read *read;
  atk_cookie_write *write;
  atk_cookie_seek *seek;
  atk_cookie_close *close;
} atk_cookie_functions;

/* fopencookie(3). */
typedef FILE *(*atk_fopencookie)(void *cookie, const char *mode, atk_cookie_functions functions);
