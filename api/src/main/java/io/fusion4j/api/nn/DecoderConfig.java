package io.fusion4j.api.nn;

/**
 * Shape and numerics of a decoder-only transformer. {@code ffnHidden} is the SwiGLU hidden size;
 * {@code zLoss} the coefficient of {@code lse²} added to the cross-entropy (0 to disable).
 */
public record DecoderConfig(int vocab, int dim, int layers, int heads, int ffnHidden, float ropeTheta, float normEps,
                            NormPlacement norm, boolean qkNorm, float zLoss, float initStd) implements ModelConfig {
    /** The kind name of the dense decoder in {@code config.json}. */
    public static final String KIND = "decoder";

    public DecoderConfig {
        if (vocab < 1 || dim < 1 || layers < 0 || heads < 1 || ffnHidden < 1) {
            throw new IllegalArgumentException("decoder sizes must be positive: vocab=" + vocab + " dim=" + dim
                    + " layers=" + layers + " heads=" + heads + " ffnHidden=" + ffnHidden);
        }
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("dim " + dim + " must split into " + heads + " heads of an even size");
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** A copy with another vocabulary size (a preset's model fitted to the tokenizer actually trained). */
    public DecoderConfig withVocab(int v) {
        return new DecoderConfig(v, dim, layers, heads, ffnHidden, ropeTheta, normEps, norm, qkNorm, zLoss, initStd);
    }

    public int headDim() {
        return dim / heads;
    }
}
