// libyaml (Debian's libyaml-dev), the YAML 1.1 parser that Yams wraps, used directly so that
// the executable needs no Foundation: its header includes only the C library's.
#include <yaml.h>
