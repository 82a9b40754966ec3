package io.fusion4j.api.nn;

/**
 * A model's configuration, of some kind ({@code decoder}, and the kinds other modules add). It is what
 * {@code config.json} holds under {@code "model"}; the composition root maps each kind to its record for JSON, so
 * {@code api} stays free of a JSON library.
 */
public interface ModelConfig {
    /** The name of this kind of model, stored as {@code "kind"} in {@code config.json}. */
    String kind();

    /** Token ids the model embeds and predicts. */
    int vocab();

    /** A copy with another vocabulary size (a preset's model fitted to the tokenizer or token file actually used). */
    ModelConfig withVocab(int vocab);
}
