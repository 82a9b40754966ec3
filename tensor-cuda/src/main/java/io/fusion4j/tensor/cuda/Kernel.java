package io.fusion4j.tensor.cuda;

/**
 * Every kernel in {@code fusion4j_kernels.cu} that the backend launches; the enum name is the
 * {@code extern "C"} symbol. A test checks each one exists in the source and in the built PTX.
 */
enum Kernel {
    fill_f32, fill_bf16, f32_to_bf16, bf16_to_f32,
    axpby_f32, add_f32, mul_f32, scale_f32, mul_rows_f32,
    silu_f32, silu_bwd_f32, gelu_f32, gelu_bwd_f32, sigmoid_f32, sigmoid_bwd_f32, swiglu_f32, swiglu_bwd_f32,
    bce_f32, bce_bwd_f32,
    reduce_rows_f32, row_dot_f32, sum_squares_partial_f32,
    rmsnorm_f32, rmsnorm_bwd_dx_f32, rmsnorm_bwd_dw_f32,
    layernorm_f32, layernorm_bwd_dx_f32, layernorm_bwd_dwdb_f32,
    softmax_f32, softmax_bwd_f32, cross_entropy_f32, cross_entropy_bwd_f32, mse_f32,
    rope_f32,
    attention_fwd_f32, attention_di_f32, attention_bwd_dq_f32, attention_bwd_dkdv_f32,
    check_indices_i32, first_nan_f32, gather_rows_f32, scatter_add_rows_f32, topk_f32,
    topk_bwd_f32, transpose_f32, gather_indices_i32,
    im2col_f32, col2im_f32,
    adamw_f32, philox_uniform_f32, philox_normal_f32,
    sgemm_strided_f32
}
