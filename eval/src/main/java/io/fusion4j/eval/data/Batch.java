package io.fusion4j.eval.data;

/**
 * One training batch on the host: token ids and next-token targets, both {@code [batch, length]}
 * row-major, and where it came from in the data order (so a checkpoint can resume after it).
 */
public record Batch(int batch, int length, int[] ids, int[] targets, long epoch, long nextIndex) {
}
