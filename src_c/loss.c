/* Output activations and their canonical losses (scikit-learn's pairs). */
#include "fastnn.h"
#include <float.h>
#include <math.h>

#include "fnn_dtype_f32.h"
#include "loss.inc"
#include "fnn_dtype_f64.h"
#include "loss.inc"
