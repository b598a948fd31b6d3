#!/usr/bin/env bash
# tapegrad-train with the model zoo's networks: --help and an unknown --model list the zoo's
# names; one short epoch of ResNet-18 (small-input variant, one channel, 10 classes) on a
# slice of Fashion-MNIST prints its summary, learns something, and exports a state_dict with
# torchvision's names; a zoo LeNet-5 stopped after one epoch and resumed from its checkpoint
# ends with the same weights as the uninterrupted run. Uses Debian's dataset-fashion-mnist.
set -euo pipefail
train="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$train" --help > "$work/help.txt"
for name in lenet5 alexnet vgg11_bn vgg19 resnet18 resnet50 mobilenet_v1 mobilenet_v2; do
  grep -q "$name" "$work/help.txt" || fail "--help does not list $name"
done
echo "--help lists the zoo's models"

if "$train" --model resnet19 > "$work/bad.out" 2> "$work/bad.err"; then
  fail "an unknown model was accepted"
fi
grep -q "unknown model 'resnet19'; valid names: lenet, cnn, resnet, lenet5, .*resnet18, .*mobilenet_v2" \
  "$work/bad.err" || { cat "$work/bad.err"; fail "the error does not list the valid names"; }
echo "refused: $(cat "$work/bad.err")"

# ResNet-18, one epoch over 512 images (32 steps of 16), tested on 256.
"$train" --model resnet18 --limit-train 512 --limit-test 256 --batch-size 16 --epochs 1 \
  --seed 3 --plain --out-dir "$work/resnet18" --export-weights "$work/resnet18.safetensors" \
  > "$work/resnet18.log"
grep -q "^tapegrad-train: resnet18 on Fashion-MNIST (512 train / 256 test images)" "$work/resnet18.log" ||
  fail "no header"
# The summary: the 3x3 one-channel stem, 28x28 kept through layer1, and the parameter count of
# torchvision's resnet18 with conv1 [64, 1, 3, 3] and fc [10, 512] (11,689,512 - 9,408 + 576
# - 513,000 + 5,130).
grep -Eq "^conv1 +tg::nn::Conv2d +\[1, 64, 28, 28\] +576$" "$work/resnet18.log" || fail "no conv1 row"
grep -Eq "^layer4.1.bn2 " "$work/resnet18.log" || fail "no layer4.1.bn2 row"
grep -q "^Total params: 11172810$" "$work/resnet18.log" || fail "wrong parameter count"
accuracy=$(grep -o 'epoch 1: test loss [0-9.]*, test accuracy [0-9.]*%' "$work/resnet18.log" |
           grep -o '[0-9.]*%' | tr -d '%')
[[ -n "$accuracy" ]] || fail "no test accuracy"
echo "resnet18, one epoch of 512 images: test accuracy $accuracy%"
# Ten classes: chance is 10% (+-2% on 256 images); this run reaches 44%.
awk -v a="$accuracy" 'BEGIN { exit !(a > 25) }' || fail "accuracy $accuracy% is near chance"
for key in conv1.weight layer4.1.bn2.running_var layer2.0.downsample.0.weight fc.bias; do
  grep -aq "\"$key\"" "$work/resnet18.safetensors" || fail "exported weights lack $key"
done
[[ -f "$work/resnet18/last.safetensors" && -f "$work/resnet18/curve.csv" ]] || fail "no checkpoint"
echo "exported a state_dict with torchvision's names"

# The zoo's LeNet-5: resuming after epoch 1 reproduces the two-epoch run bit for bit.
common=(--model lenet5 --limit-train 512 --limit-test 128 --batch-size 64 --seed 5 --plain --epochs 2)
"$train" "${common[@]}" --out-dir "$work/a" --export-weights "$work/a.safetensors" > /dev/null
"$train" "${common[@]}" --out-dir "$work/b" --stop-after 1 > /dev/null
"$train" "${common[@]}" --out-dir "$work/b" --resume "$work/b/last.safetensors" \
  --export-weights "$work/b.safetensors" > /dev/null
cmp "$work/a.safetensors" "$work/b.safetensors" || fail "the resumed lenet5 differs"
grep -aq '"features.0.weight"' "$work/a.safetensors" || fail "lenet5 weights lack features.0.weight"
echo "lenet5 resumed run equals the uninterrupted run"
echo PASS
