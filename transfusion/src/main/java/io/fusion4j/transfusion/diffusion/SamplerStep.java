package io.fusion4j.transfusion.diffusion;

/**
 * One denoising update as the backend applies it to every element of an image's latent: {@code x ← a·x + b·ε̂ + σ·z}
 * with the model's noise prediction {@code ε̂} and fresh standard normal {@code z} (σ = 0: deterministic).
 */
public record SamplerStep(int t, int next, double a, double b, double sigma) {
}
