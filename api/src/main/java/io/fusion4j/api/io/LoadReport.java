package io.fusion4j.api.io;

import java.nio.file.Path;
import java.util.List;

/**
 * What a weights-only load did. Names in {@code missing} and {@code notMapped} are target parameters,
 * which kept their values; names in {@code unused} are tensors of the file.
 *
 * @param source    the checkpoint folder or safetensors file read
 * @param loaded    each target that was written and the tensor it was loaded from, in parameter order
 * @param missing   targets whose source tensor is not in the file (empty under {@link Strictness#STRICT})
 * @param notMapped targets the {@link NameMapping} does not load from the file
 * @param unused    tensors of the file no target loaded, in file order (empty under {@link Strictness#STRICT})
 */
public record LoadReport(Path source, List<Copy> loaded, List<String> missing, List<String> notMapped,
                         List<String> unused) {
    /** One target parameter and the tensor of the file it was loaded from. */
    public record Copy(String target, String source) {
    }

    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        notMapped = List.copyOf(notMapped);
        unused = List.copyOf(unused);
    }
}
