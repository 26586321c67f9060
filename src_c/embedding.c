/* Embedding: integer ids in, their learned vectors out. */
#include "fastnn.h"
#include <string.h>

#include "fnn_dtype_f32.h"
#include "embedding.inc"
#include "fnn_dtype_f64.h"
#include "embedding.inc"
