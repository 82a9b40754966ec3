package io.fusion4j.api.nn;

/** Where a transformer block normalises. */
public enum NormPlacement {
    /** Llama: {@code h = x + attn(norm(x)); out = h + ffn(norm(h))}. */
    PRE,
    /** Chameleon: {@code h = x + norm(attn(x)); out = h + norm(ffn(h))}, which keeps mixed-modal training stable. */
    CHAMELEON
}
