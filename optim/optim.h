// tapegrad's optim: optimizers, learning-rate schedulers and gradient clipping (tg::optim,
// like torch::optim).
#pragma once
#include "optim/adadelta.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamax.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"
#include "optim/lbfgs.h"
#include "optim/lr_scheduler.h"
#include "optim/nadam.h"
#include "optim/optimizer.h"
#include "optim/radam.h"
#include "optim/rmsprop.h"
#include "optim/serialize.h"
#include "optim/sgd.h"
