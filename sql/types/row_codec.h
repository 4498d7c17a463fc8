// How SQL values are stored: key columns through the order-preserving key codec
// (storage/codec/key_codec.h), other columns in a compact row value.
//
// Key form of a Value (ToKeyValue): BOOL -> bool; integers, DATE, TIMESTAMP -> int64;
// FLOAT -> double; text types -> string; BYTEA -> bytes; NUMERIC -> bytes holding an
// order-preserving encoding of the decimal (so that memcmp order is numeric order and
// 1.0 and 1.00 encode alike); NULL -> NULL.
//
// Row value (EncodeRow / DecodeRow; DO NOT CHANGE: on-disk format):
//   row    := version(1 byte = 1) column*
//   column := column_id (varint) tag (1 byte) payload
// NULL columns are omitted. Tags and payloads are per Value kind (see row_codec.cc).
// Decoding ignores column ids it does not ask for (columns added later read as NULL,
// dropped columns are skipped), and rejects malformed input with kDataLoss.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_TYPES_ROW_CODEC_H_
#define MERIDIAN_SQL_TYPES_ROW_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/types/value.h"
#include "storage/codec/key_codec.h"

namespace meridian::sql {

storage::KeyValue ToKeyValue(const Value& v, const SqlType& type);
absl::StatusOr<Value> FromKeyValue(const storage::KeyValue& k, const SqlType& type);

// The order-preserving NUMERIC encoding ToKeyValue stores as bytes:
//   zero      := 0x80
//   positive  := 0xC0 exponent digits 0x00
//   negative  := 0x40 then the positive form of |v| with every byte inverted
// where |v| = 0.d1d2...dn x 10^exponent with d1 != 0 and dn != 0 (trailing zeros dropped,
// so 1.0 and 1.00 encode alike), exponent is one byte (exponent + 128), and the digits go
// in pairs, one byte per pair (10 * d_i + d_i+1 + 1, an odd last digit paired with 0).
// DecodeNumericKey accepts exactly what EncodeNumericKey produces (else kDataLoss) and
// returns the value at its smallest scale.
std::string EncodeNumericKey(const Numeric& n);
absl::StatusOr<Numeric> DecodeNumericKey(std::string_view bytes);

// Encodes columns (ids[i], values[i]); NULL values are skipped.
// REQUIRES: ids.size() == values.size(); ids distinct.
std::string EncodeRow(absl::Span<const uint32_t> ids, absl::Span<const Value> values);

// Decodes into out[i] the value of column ids[i] with type types[i] (NULL if absent).
absl::Status DecodeRow(std::string_view row, absl::Span<const uint32_t> ids,
                       absl::Span<const SqlType> types, std::vector<Value>* out);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_ROW_CODEC_H_
