package io.fusion4j.api.io;

/**
 * How {@link WeightLoader} treats a file that does not match the target parameters exactly. A tensor
 * whose shape differs from its target's is an error under both: copying it would silently corrupt the
 * model. Targets the {@link NameMapping} leaves out are never an error; they are excluded on purpose.
 */
public enum Strictness {
    /**
     * Every target the mapping names a source for finds that tensor, and every tensor of the file is
     * loaded into at least one target; otherwise the load fails with a message naming each tensor at
     * fault, the expected shape and what the file holds. For resuming and for inference, where anything
     * left over means the wrong file or the wrong mapping.
     */
    STRICT,
    /**
     * Targets whose source tensor is not in the file keep their values and are reported in
     * {@link LoadReport#missing()}; tensors no target loads are reported in {@link LoadReport#unused()}.
     * For a partial file or a partial model, where the caller reads the report.
     */
    LENIENT
}
