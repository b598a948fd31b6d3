// tg::distributed: data-parallel training over MPI. Include this one header; link
// tapegrad::distributed (built when MPI is found, -DTAPEGRAD_WITH_MPI=ON).
#pragma once
#include "distributed/ddp.h"
#include "distributed/functional.h"
#include "distributed/process_group.h"
#include "distributed/reducer.h"
#include "distributed/sampler.h"
#include "distributed/sync_batchnorm.h"
