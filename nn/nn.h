// tapegrad's nn: modules, containers, layers and initialisation (tg::nn, like torch::nn).
#pragma once
#include "nn/init.h"
#include "nn/module.h"
#include "nn/module_holder.h"
#include "nn/modules/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"
#include "nn/ordered_dict.h"
