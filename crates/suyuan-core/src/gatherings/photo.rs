//! Photos of a gathering. An upload is decoded as JPEG, PNG or WebP
//! within size limits, turned upright by its EXIF orientation, scaled down
//! to a phone-friendly size and re-encoded as a fresh JPEG: what is stored
//! and served is always an image we made, with no metadata (no location)
//! and nothing else hidden in it.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use thiserror::Error;

/// The largest upload taken, in bytes.
pub const MAX_BYTES: usize = 12 * 1024 * 1024;
/// The widest or tallest image decoded, in pixels.
const MAX_SIDE: u32 = 8_000;
/// The longer side of the stored photo, in pixels.
pub const LONG_EDGE: u32 = 1_600;
const QUALITY: u8 = 82;

/// A photo ready to store: a JPEG and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoError {
    #[error("photo: {0} bytes is more than the {MAX_BYTES} a photo may have")]
    TooLarge(usize),
    #[error("photo: the file is empty")]
    Empty,
    #[error("photo: not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("photo: the image could not be read ({0})")]
    Unreadable(String),
}

pub fn prepare(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(PhotoError::NotAnImage);
    }
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > LONG_EDGE {
        picture = picture.resize(LONG_EDGE, LONG_EDGE, image::imageops::FilterType::Triangle);
    }
    let rgb = picture.to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&rgb)
        .map_err(unreadable)?;
    Ok(Photo {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("png");
        out
    }

    #[test]
    fn photos_are_re_encoded_as_jpeg_and_scaled_down() {
        let photo = prepare(&png(3_200, 1_600)).expect("a photo");
        assert_eq!((photo.width, photo.height), (1_600, 800));
        assert_eq!(
            image::guess_format(&photo.jpeg).expect("format"),
            ImageFormat::Jpeg
        );
        let small = prepare(&png(40, 30)).expect("a small photo");
        assert_eq!((small.width, small.height), (40, 30));
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(prepare(b""), Err(PhotoError::Empty));
        assert_eq!(
            prepare(b"<html><script>alert(1)</script>"),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(prepare(b"GIF89a......"), Err(PhotoError::NotAnImage));
        let mut truncated = png(100, 100);
        truncated.truncate(60);
        assert!(matches!(
            prepare(&truncated),
            Err(PhotoError::Unreadable(_))
        ));
        assert!(matches!(
            prepare(&vec![0u8; MAX_BYTES + 1]),
            Err(PhotoError::TooLarge(_))
        ));
    }
}
