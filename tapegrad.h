// tapegrad: include this one header to get the whole public API.
#pragma once
#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/gradcheck.h"
#include "autograd/graph_export.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/random.h"
#include "autograd/tensor.h"
#include "autograd/threads.h"
#include "ops/ops.h"
