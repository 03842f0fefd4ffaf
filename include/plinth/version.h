#ifndef PLINTH_VERSION_H
#define PLINTH_VERSION_H
#define PLINTH_VERSION "0.1.0"
#endif
