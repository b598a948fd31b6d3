// tg::FileError: what the file readers and writers in data/ throw for a file that cannot be
// opened, read, written or parsed. It is a tg::Error, so one `catch (const tg::Error&)` sees
// every refusal; the save and load functions of nn/ and optim/ catch it to add their own name
// and the path.
#pragma once
#include "autograd/error.h"

namespace tg {

class FileError : public Error {
 public:
  using Error::Error;
};

}  // namespace tg
