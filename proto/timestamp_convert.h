// Conversions between common/timestamp.h and its wire/disk form, proto::HybridTimestamp.
#ifndef MERIDIAN_PROTO_TIMESTAMP_CONVERT_H_
#define MERIDIAN_PROTO_TIMESTAMP_CONVERT_H_

#include "common/timestamp.h"
#include "proto/storage.pb.h"

namespace meridian::proto {

inline HybridTimestamp ToProto(Timestamp t) {
  HybridTimestamp p;
  p.set_wall_ns(t.wall_ns);
  p.set_logical(t.logical);
  return p;
}

inline Timestamp FromProto(const HybridTimestamp& p) { return Timestamp{p.wall_ns(), p.logical()}; }

}  // namespace meridian::proto

#endif  // MERIDIAN_PROTO_TIMESTAMP_CONVERT_H_
