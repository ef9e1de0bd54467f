//! Moving values between host vectors and burn tensors, for every model of the crate.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// A float tensor of `shape` from row-major host values.
pub(crate) fn floats<B: Backend, const D: usize>(
    v: Vec<f32>,
    shape: [usize; D],
    device: &B::Device,
) -> Tensor<B, D> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// A tensor's values on the host, row-major, as `f32`.
pub(crate) fn read<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("converted to f32 above")
}

/// An integer tensor of `shape` from host indices.
pub(crate) fn ints<B: Backend, const D: usize>(
    ix: &[u32],
    shape: [usize; D],
    device: &B::Device,
) -> Tensor<B, D, Int> {
    let data: Vec<i64> = ix.iter().map(|&i| i64::from(i)).collect();
    Tensor::from_data(TensorData::new(data, shape), device)
}
