package io.fusion4j.api.data;

/**
 * One image–text pair as the sequence builder reads it: the caption already tokenized into text ids, and the image.
 * The caption array is not copied.
 */
public record CaptionedImage(int[] caption, Image image) {
    public CaptionedImage {
        if (image == null) {
            throw new IllegalArgumentException("a captioned image needs an image");
        }
        if (caption == null) {
            throw new IllegalArgumentException("a captioned image needs a caption (it may be empty)");
        }
    }
}
