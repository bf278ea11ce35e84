package history

import (
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/hsi-top/hsi-top/snapshot"
)

// A zero path leads from a snapshot to one of its pointers that points at a zero value
// (0, false, ""): a value that was read, not an unknown. gob, which the state file uses,
// leaves zero values out also behind pointers, so that pointer decodes as nil, an
// unknown; the kept snapshots' zero paths are saved beside them and put back on
// Restore. A step is "F" and a field name, "I" and a slice index, or "K" and a map key.
type zeroPath []string

// knownZeros returns s's zero paths.
func knownZeros(s *snapshot.Snapshot) []zeroPath {
	var out []zeroPath
	walkZeros(reflect.ValueOf(s).Elem(), make(zeroPath, 0, 16), &out) // room for the deepest path
	return out
}

func walkZeros(v reflect.Value, path zeroPath, out *[]zeroPath) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if e := v.Elem(); scalar(e.Kind()) {
			if e.IsZero() {
				*out = append(*out, append(zeroPath(nil), path...))
			}
			return
		}
		walkZeros(v.Elem(), path, out)
	case reflect.Struct:
		for i, step := range fieldSteps(v.Type()) {
			if step != "" {
				walkZeros(v.Field(i), append(path, step), out)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkZeros(v.Index(i), append(path, indexStep(i)), out)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		for it := v.MapRange(); it.Next(); {
			walkZeros(it.Value(), append(path, "K"+it.Key().String()), out)
		}
	}
}

// stepCache holds each struct type's field steps ("F" and the name; "" for an
// unexported field), so a walk allocates only for the zeros it finds.
var stepCache sync.Map // reflect.Type → []string

func fieldSteps(t reflect.Type) []string {
	if steps, ok := stepCache.Load(t); ok {
		return steps.([]string)
	}
	steps := make([]string, t.NumField())
	for i := range steps {
		if f := t.Field(i); f.IsExported() {
			steps[i] = "F" + f.Name
		}
	}
	stepCache.Store(t, steps)
	return steps
}

// indexSteps are the steps of the first slice indexes.
var indexSteps = func() []string {
	out := make([]string, 64)
	for i := range out {
		out[i] = "I" + strconv.Itoa(i)
	}
	return out
}()

func indexStep(i int) string {
	if i < len(indexSteps) {
		return indexSteps[i]
	}
	return "I" + strconv.Itoa(i)
}

func scalar(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// restoreZeros points every nil pointer on paths of s at a new zero value. A path that
// no longer leads anywhere (a decoded structure that differs) is skipped.
func restoreZeros(s *snapshot.Snapshot, paths []zeroPath) {
	for _, p := range paths {
		restoreZero(reflect.ValueOf(s).Elem(), p)
	}
}

func restoreZero(v reflect.Value, path zeroPath) {
	if len(path) == 0 {
		if v.Kind() == reflect.Pointer && v.IsNil() && v.CanSet() && scalar(v.Type().Elem().Kind()) {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	step, arg := path[0][:1], path[0][1:]
	switch {
	case step == "F" && v.Kind() == reflect.Struct:
		if f := v.FieldByName(arg); f.IsValid() {
			restoreZero(f, path[1:])
		}
	case step == "I" && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array):
		if i, err := strconv.Atoi(arg); err == nil && i >= 0 && i < v.Len() {
			restoreZero(v.Index(i), path[1:])
		}
	case step == "K" && v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		key := reflect.ValueOf(arg).Convert(v.Type().Key())
		val := v.MapIndex(key)
		if !val.IsValid() {
			return
		}
		copied := reflect.New(val.Type()).Elem()
		copied.Set(val)
		restoreZero(copied, path[1:])
		v.SetMapIndex(key, copied)
	}
}

// zeroTable interns zero paths for a save: each distinct path once, each snapshot a
// list of indexes into it.
type zeroTable struct {
	paths []zeroPath
	index map[string]int
}

func (t *zeroTable) add(ps []zeroPath) []int {
	if len(ps) == 0 {
		return nil
	}
	if t.index == nil {
		t.index = map[string]int{}
	}
	out := make([]int, len(ps))
	for i, p := range ps {
		k := strings.Join(p, "\x00")
		n, ok := t.index[k]
		if !ok {
			n = len(t.paths)
			t.paths = append(t.paths, p)
			t.index[k] = n
		}
		out[i] = n
	}
	return out
}
