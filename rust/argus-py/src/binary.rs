//! The values of an Arrow binary column (the `record` column), in whichever
//! binary layout it arrives: polars hands out views, pyarrow plain or large.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_schema::DataType;

/// Each value (None for a null), or None when `a` is not a binary array.
pub(crate) fn binary_values(a: &dyn Array) -> Option<Box<dyn Iterator<Item = Option<&[u8]>> + '_>> {
    Some(match a.data_type() {
        DataType::Binary => Box::new(a.as_binary::<i32>().iter()),
        DataType::LargeBinary => Box::new(a.as_binary::<i64>().iter()),
        DataType::BinaryView => Box::new(a.as_binary_view().iter()),
        DataType::FixedSizeBinary(_) => Box::new(a.as_fixed_size_binary().iter()),
        _ => return None,
    })
}
