package io.fusion4j.api.data;

/**
 * One image inside a batch row: positions {@code [start, end)} of row {@code row} (its tokens or patches, without
 * the BOI/EOI markers around them).
 */
public record ImageSpan(int row, int start, int end) {
    public ImageSpan {
        if (row < 0 || start < 0 || end <= start) {
            throw new IllegalArgumentException("image span needs row >= 0 and 0 <= start < end, found row=" + row
                    + " [" + start + ", " + end + ")");
        }
    }

    public int length() {
        return end - start;
    }
}
