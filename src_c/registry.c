/* The engine's registry: each list of fastnn.h (activations, outputs,
 * layer kinds, cells, solvers) as a name table, and the layer kinds'
 * operations in FNN_LAYER_KINDS order, so that adding a kind is one line
 * of that list and the kind's own files. */
#include "fastnn.h"

#define FNN_NAME2(suffix, name) name,
#define FNN_NAME3(suffix, name, extra) name,
static const char *const activation_names[] = {FNN_ACTIVATIONS(FNN_NAME2)};
static const char *const output_names[] = {FNN_OUTPUTS(FNN_NAME2)};
static const char *const kind_names[] = {FNN_LAYER_KINDS(FNN_NAME3)};
static const char *const cell_names[] = {FNN_CELLS(FNN_NAME3)};
static const char *const solver_names[] = {FNN_SOLVERS(FNN_NAME2)};

const char *fnn_name(int table, int i) {
    static const char *const *const tables[] = {activation_names, output_names, kind_names,
                                                cell_names, solver_names};
    static const int sizes[] = {FNN_ACT_COUNT, FNN_OUT_COUNT, FNN_LAYER_KIND_COUNT,
                                FNN_CELL_COUNT, FNN_SOLVER_COUNT};
    if (table < 0 || table >= (int)(sizeof sizes / sizeof sizes[0]) || i < 0 ||
        i >= sizes[table])
        return NULL;
    return tables[table][i];
}

int64_t fnn_cell_gates(int cell) {
#define FNN_GATES(suffix, name, gates) gates,
    static const int64_t gates[] = {FNN_CELLS(FNN_GATES)};
    return cell >= 0 && cell < FNN_CELL_COUNT ? gates[cell] : 0;
}

const fnn_layer_ops *fnn_layer_ops_of(int kind) {
#define FNN_OPS(suffix, name, ops) &fnn_##ops##_ops,
    static const fnn_layer_ops *const table[] = {FNN_LAYER_KINDS(FNN_OPS)};
    return kind >= 0 && kind < FNN_LAYER_KIND_COUNT ? table[kind] : NULL;
}

fnn_status fnn_layer_check(const fnn_layer *g) {
    const fnn_layer_ops *ops = g ? fnn_layer_ops_of(g->kind) : NULL;
    return ops ? ops->check(g) : FNN_ERR_ARG;
}
