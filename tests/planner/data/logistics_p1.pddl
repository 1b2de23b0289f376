(define (problem logistics-1)
  (:domain logistics-typed)
  (:objects c1 c2 - city  a1 a2 - airport  l1 l2 - location
            t1 t2 - truck  p1 - airplane  pk1 pk2 - package)
  (:init (in-city a1 c1) (in-city l1 c1) (in-city a2 c2) (in-city l2 c2)
         (at t1 l1) (at t2 a2) (at p1 a1)
         (at pk1 l1) (at pk2 a2))
  (:goal (and (at pk1 l2) (at pk2 a1))))
