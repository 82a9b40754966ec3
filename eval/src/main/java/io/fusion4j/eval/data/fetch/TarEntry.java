package io.fusion4j.eval.data.fetch;

/**
 * One member of a tar archive as its header describes it, long names already applied.
 *
 * @param name     the path as written in the archive (not yet checked)
 * @param type     what kind of member it is
 * @param size     the bytes of content that follow the header
 * @param linkName the target of a link, else empty
 */
public record TarEntry(String name, Type type, long size, String linkName) {
    /** The kinds of member; everything but {@link #FILE} and {@link #DIRECTORY} is refused by the extractor. */
    public enum Type {
        FILE, DIRECTORY, SYMLINK, HARD_LINK, DEVICE, FIFO, OTHER;

        /** The type for a ustar/GNU type flag byte (long-name and PAX headers never get here). */
        static Type of(byte flag) {
            return switch (flag) {
                case '0', 0, '7' -> FILE;
                case '5' -> DIRECTORY;
                case '2' -> SYMLINK;
                case '1' -> HARD_LINK;
                case '3', '4' -> DEVICE;
                case '6' -> FIFO;
                default -> OTHER;
            };
        }
    }
}
