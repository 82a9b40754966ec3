package io.fusion4j.api.data;

import java.util.stream.Stream;

/**
 * An endless, deterministic order of batches: the batches from a position on are a pure function of the position,
 * so a resumed run sees what an uninterrupted one would have. Close the stream to stop any prefetching.
 */
@FunctionalInterface
public interface BatchSource<B extends Batch<B>> {
    Stream<B> from(DataPosition position);
}
