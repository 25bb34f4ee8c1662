// SPDX-License-Identifier: MIT
#include "standardstreams.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace OddsTap {

void openMissingStandardStreams()
{
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            // open() takes the lowest free number, which is this one: the lower ones are open.
            const int null = ::open("/dev/null", O_RDWR);
            if (null != fd && null >= 0) {
                ::close(null); // /dev/null unavailable as that number: nothing more to do
                return;
            }
        }
    }
}

} // namespace OddsTap
