// The DCGAN of the libtorch examples on MNIST-format data (./data, linked by the build to
// Debian's Fashion-MNIST files): a generator of transposed convolutions and batch norms, a
// Sequential discriminator, Adam for both, a loader with two workers, and checkpoints of both
// models and both optimizers with torch::save / torch::load. Training stops after
// kMaxBatches batches to keep the run short. Then the checkpoint is restored into fresh
// models and optimizers: one more identical training step on the restored pair and on the
// original pair must give the same parameters, which holds only if the optimizers' state
// (Adam's step counts and moments) and the batch norms' buffers were restored too.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <tuple>
#include <vector>

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n"; \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

// The size of the noise vector fed to the generator.
const int64_t kNoiseSize = 100;

// The batch size for training.
const int64_t kBatchSize = 64;

// The number of epochs to train.
const int64_t kNumberOfEpochs = 1;

// Training stops after this many batches.
const int64_t kMaxBatches = 30;

// Where to find the MNIST dataset.
const char* kDataFolder = "./data";

// After how many batches to create a new checkpoint periodically.
const int64_t kCheckpointEvery = 15;

// How many images to sample at every checkpoint.
const int64_t kNumberOfSamplesPerCheckpoint = 10;

// After how many batches to log a new update with the loss value.
const int64_t kLogInterval = 10;

namespace nn = torch::nn;
namespace optim = torch::optim;

struct DCGANGeneratorImpl : nn::Module {
  DCGANGeneratorImpl(int kNoiseSize)
      : conv1(nn::ConvTranspose2dOptions(kNoiseSize, 256, 4).bias(false)),
        batch_norm1(256),
        conv2(nn::ConvTranspose2dOptions(256, 128, 3)
                  .stride(2)
                  .padding(1)
                  .bias(false)),
        batch_norm2(128),
        conv3(nn::ConvTranspose2dOptions(128, 64, 4)
                  .stride(2)
                  .padding(1)
                  .bias(false)),
        batch_norm3(64),
        conv4(nn::ConvTranspose2dOptions(64, 1, 4)
                  .stride(2)
                  .padding(1)
                  .bias(false)) {
    // register_module() is needed if we want to use the parameters() method later on
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("batch_norm1", batch_norm1);
    register_module("batch_norm2", batch_norm2);
    register_module("batch_norm3", batch_norm3);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(batch_norm1(conv1(x)));
    x = torch::relu(batch_norm2(conv2(x)));
    x = torch::relu(batch_norm3(conv3(x)));
    x = torch::tanh(conv4(x));
    return x;
  }

  nn::ConvTranspose2d conv1, conv2, conv3, conv4;
  nn::BatchNorm2d batch_norm1, batch_norm2, batch_norm3;
};

TORCH_MODULE(DCGANGenerator);

nn::Sequential make_discriminator() {
  return nn::Sequential(
      // Layer 1
      nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)),
      nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 2
      nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)),
      nn::BatchNorm2d(128),
      nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 3
      nn::Conv2d(nn::Conv2dOptions(128, 256, 4).stride(2).padding(1).bias(false)),
      nn::BatchNorm2d(256),
      nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
      // Layer 4
      nn::Conv2d(nn::Conv2dOptions(256, 1, 3).stride(1).padding(0).bias(false)),
      nn::Sigmoid());
}

// One step of GAN training on `real_images` with generator input `noise`; returns the two
// losses.
std::pair<float, float> train_step(DCGANGenerator& generator, nn::Sequential& discriminator,
                                   optim::Adam& generator_optimizer,
                                   optim::Adam& discriminator_optimizer,
                                   torch::Tensor real_images, torch::Tensor real_labels,
                                   torch::Tensor noise) {
  // Train discriminator with real images.
  discriminator->zero_grad();
  torch::Tensor real_output = discriminator->forward(real_images).reshape(real_labels.sizes());
  torch::Tensor d_loss_real = torch::binary_cross_entropy(real_output, real_labels);
  d_loss_real.backward();

  // Train discriminator with fake images.
  torch::Tensor fake_images = generator->forward(noise);
  torch::Tensor fake_labels = torch::zeros(real_images.size(0), real_images.device());
  torch::Tensor fake_output =
      discriminator->forward(fake_images.detach()).reshape(fake_labels.sizes());
  torch::Tensor d_loss_fake = torch::binary_cross_entropy(fake_output, fake_labels);
  d_loss_fake.backward();

  torch::Tensor d_loss = d_loss_real + d_loss_fake;
  discriminator_optimizer.step();

  // Train generator.
  generator->zero_grad();
  fake_labels.fill_(1);
  fake_output = discriminator->forward(fake_images).reshape(fake_labels.sizes());
  torch::Tensor g_loss = torch::binary_cross_entropy(fake_output, fake_labels);
  g_loss.backward();
  generator_optimizer.step();
  return {d_loss.item<float>(), g_loss.item<float>()};
}

float max_difference(nn::Module& a, nn::Module& b) {
  auto pa = a.parameters(), pb = b.parameters();
  EXPECT(pa.size() == pb.size());
  float worst = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<float>());
  return worst;
}

int main(int argc, const char* argv[]) {
  torch::manual_seed(1);

  // Create the device we pass around based on whether CUDA is available.
  torch::Device device(torch::kCPU);
  if (torch::cuda::is_available()) {
    std::cout << "CUDA is available! Training on GPU." << std::endl;
    device = torch::Device(torch::kCUDA);
  }

  DCGANGenerator generator(kNoiseSize);
  generator->to(device);

  nn::Sequential discriminator = make_discriminator();
  discriminator->to(device);

  // Assume the MNIST dataset is available under `kDataFolder`;
  auto dataset = torch::data::datasets::MNIST(kDataFolder)
                     .map(torch::data::transforms::Normalize<>(0.5, 0.5))
                     .map(torch::data::transforms::Stack<>());
  const int64_t batches_per_epoch =
      std::ceil(dataset.size().value() / static_cast<double>(kBatchSize));

  auto data_loader = torch::data::make_data_loader(
      std::move(dataset),
      torch::data::DataLoaderOptions().batch_size(kBatchSize).workers(2));

  torch::optim::Adam generator_optimizer(
      generator->parameters(), torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.999)));
  torch::optim::Adam discriminator_optimizer(
      discriminator->parameters(), torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.999)));

  int64_t checkpoint_counter = 1;
  int64_t batch_index = 0;
  for (int64_t epoch = 1; epoch <= kNumberOfEpochs; ++epoch) {
    for (torch::data::Example<>& batch : *data_loader) {
      torch::Tensor real_images = batch.data.to(device);
      torch::Tensor real_labels =
          torch::empty(batch.data.size(0), device).uniform_(0.8, 1.0);
      torch::Tensor noise = torch::randn({batch.data.size(0), kNoiseSize, 1, 1}, device);
      float d_loss, g_loss;
      std::tie(d_loss, g_loss) = train_step(generator, discriminator, generator_optimizer,
                                            discriminator_optimizer, real_images, real_labels,
                                            noise);
      EXPECT(std::isfinite(d_loss) && std::isfinite(g_loss));
      batch_index++;
      if (batch_index % kLogInterval == 0) {
        std::printf("\r[%2ld/%2ld][%3ld/%3ld] D_loss: %.4f | G_loss: %.4f\n", epoch,
                    kNumberOfEpochs, batch_index, batches_per_epoch, d_loss, g_loss);
      }

      if (batch_index % kCheckpointEvery == 0) {
        // Checkpoint the model and optimizer state.
        torch::save(generator, "generator-checkpoint.pt");
        torch::save(generator_optimizer, "generator-optimizer-checkpoint.pt");
        torch::save(discriminator, "discriminator-checkpoint.pt");
        torch::save(discriminator_optimizer, "discriminator-optimizer-checkpoint.pt");
        // Sample the generator and save the images.
        torch::Tensor samples = generator->forward(
            torch::randn({kNumberOfSamplesPerCheckpoint, kNoiseSize, 1, 1}, device));
        torch::save((samples + 1.0) / 2.0, torch::str("dcgan-sample-", checkpoint_counter, ".pt"));
        std::cout << "\n-> checkpoint " << ++checkpoint_counter << '\n';
      }
      if (batch_index == kMaxBatches) break;
    }
  }
  EXPECT(batch_index == kMaxBatches);
  EXPECT(checkpoint_counter == 3);

  // The sample tensor saved at the last checkpoint comes back as it was written.
  torch::Tensor sample;
  torch::load(sample, "dcgan-sample-2.pt");
  EXPECT(sample.dim() == 4 && sample.size(0) == kNumberOfSamplesPerCheckpoint && sample.size(1) == 1 &&
         sample.size(2) == 28 && sample.size(3) == 28);
  EXPECT(sample.min().item<float>() >= 0 && sample.max().item<float>() <= 1);

  // Restore the last checkpoint (taken after the last batch) into fresh models and
  // optimizers, and take the same step with both pairs.
  DCGANGenerator restored_generator(kNoiseSize);
  nn::Sequential restored_discriminator = make_discriminator();
  torch::optim::Adam restored_generator_optimizer(
      restored_generator->parameters(), torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.999)));
  torch::optim::Adam restored_discriminator_optimizer(
      restored_discriminator->parameters(), torch::optim::AdamOptions(2e-4).betas(std::make_tuple(0.5, 0.999)));
  EXPECT(max_difference(*generator, *restored_generator) > 0);
  torch::load(restored_generator, "generator-checkpoint.pt");
  torch::load(restored_generator_optimizer, "generator-optimizer-checkpoint.pt");
  torch::load(restored_discriminator, "discriminator-checkpoint.pt");
  torch::load(restored_discriminator_optimizer, "discriminator-optimizer-checkpoint.pt");
  EXPECT(max_difference(*generator, *restored_generator) == 0);
  EXPECT(max_difference(*discriminator, *restored_discriminator) == 0);

  torch::Tensor images = torch::rand({16, 1, 28, 28}) * 2 - 1;
  torch::Tensor labels = torch::full({16}, 0.9);
  torch::Tensor noise = torch::randn({16, kNoiseSize, 1, 1});
  auto original_losses = train_step(generator, discriminator, generator_optimizer,
                                    discriminator_optimizer, images, labels, noise);
  auto restored_losses = train_step(restored_generator, restored_discriminator,
                                    restored_generator_optimizer,
                                    restored_discriminator_optimizer, images, labels, noise);
  std::printf("after one more step: D_loss %.6f / %.6f, G_loss %.6f / %.6f\n",
              original_losses.first, restored_losses.first, original_losses.second,
              restored_losses.second);
  EXPECT(original_losses == restored_losses);
  EXPECT(max_difference(*generator, *restored_generator) == 0);
  EXPECT(max_difference(*discriminator, *restored_discriminator) == 0);
  std::cout << "Training complete!" << std::endl;
  return 0;
}
